"""The interactive wizard: questions from the criteria catalogue, asked with questionary."""
