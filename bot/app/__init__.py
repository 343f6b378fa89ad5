"""The GitHub App: webhook intake, the job queue, the worker and the comment-driven jobs."""
