"""The HTTP app (FastAPI): health, metrics, BigCommerce webhooks, the admin API and the dashboard."""
