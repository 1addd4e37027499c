"""Where learner code runs: ``base`` is the interface, ``docker`` grades, ``fake`` tests."""
