print("a repo with an app but no Dockerfile")
