"""Staff sign-in, password resets and the clinic team."""
