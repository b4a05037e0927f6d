"""The shipped rule set: criteria catalogue, options, reference page and rule files (data only)."""
