"""digest: a static site generator for curated, multilingual news digests."""

# The one place the version is set (pyproject.toml reads it from here): caches are keyed by it.
__version__ = "0.1.0"

# The name digest is published under on PyPI ("digest" there is another project); the command is `digest`.
DISTRIBUTION = "digest-ssg"
