"""slug: turns a title into a URL slug (`python -m app "Hello, World!"` prints hello-world)."""
