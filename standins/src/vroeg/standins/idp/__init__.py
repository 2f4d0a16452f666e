"""Identity-provider stand-in (OpenID Connect)."""
