"""The API of evidence requests: the structure's routes (`views`) and the auditor's (`auditor`)."""
