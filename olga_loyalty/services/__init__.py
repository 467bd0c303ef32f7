"""Use cases: one business action, one transaction. The UI and the command line call these."""
