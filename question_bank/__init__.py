"""The generated question bank for the five learning outcomes (SPEC section 7)."""
