"""Research agent: durable flows built on Kitaru."""
