"""digest: a static site generator for curated, multilingual news digests."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("digest")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
