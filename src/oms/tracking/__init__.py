"""Public order tracking for customers: by the order's secret token, or number and email."""
