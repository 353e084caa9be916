"""kkui: a guided console for building highly available Kubernetes clusters with KubeKey v3."""

__version__ = "0.1.0"
