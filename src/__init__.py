"""bookbridge: keeps a publisher's Consonance catalogue and a BigCommerce store in step.

The one import package. Its layers are subpackages (`bookbridge.domain`, `bookbridge.application`,
`bookbridge.adapters`, `bookbridge.entrypoints`); the folders stay `src/domain`, `src/application`, ...
"""
