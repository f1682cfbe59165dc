"""Publisher sites: allowed origins, API keys and scopes, sign-in tokens, signed webhooks."""
