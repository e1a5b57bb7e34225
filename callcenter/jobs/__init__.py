"""RQ adapter: the job queue, job tasks (importable functions taking ids), the worker and the scheduler."""
