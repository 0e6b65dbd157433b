"""GraphQL documents the Consonance client sends; data files only (see works.graphql)."""
