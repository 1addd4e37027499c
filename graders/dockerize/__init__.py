"""Graders of the dockerize exercise: the image itself (its facts, its layers, a rebuild of
it) and the running container (health, environment, SIGTERM)."""
