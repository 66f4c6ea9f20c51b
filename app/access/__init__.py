"""Patient access: invite links and signing in without passwords."""
