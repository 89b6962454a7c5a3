"""The quizzes app owns quizzes, the question bank, attempts and grading."""
