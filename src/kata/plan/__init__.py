"""Cohorts graded on engines instructors already run: kata writes the plan (a GitHub
Actions workflow, or Kubernetes manifests) from a roster; it grows no scheduler of its own."""
