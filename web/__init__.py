"""The shelter staff's web pages: a client of `shelters` and `accounts` services and selectors, like the API."""
