"""squall: serverless apps on AWS in Python."""
