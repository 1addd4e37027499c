"""Grader tests of the url-shortener exercise."""
