"""Helpers the test tiers share: the shim under test (shim), an outer NOTIFY_SOCKET (notify), socket
activation (activation), servers and clients (servers), and podman with the project's images (podman).
CTest puts tests/ on PYTHONPATH; a tier imports them as `from support.shim import Shim`."""
