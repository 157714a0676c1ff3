"""Customer notifications: rendered and stored with the change that caused them, sent by a job."""
