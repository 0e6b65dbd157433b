"""BigCommerce adapters: REST client, storefront port implementation and the loopback sandbox."""
