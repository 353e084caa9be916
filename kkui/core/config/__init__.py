"""The config document, its typed model and its validation."""

from kkui.core.config.document import ClusterDocument
from kkui.core.config.model import ClusterModel, Host, KkuiSettings, LoadBalancerPair
from kkui.core.config.validate import Problem

__all__ = ["ClusterDocument", "ClusterModel", "Host", "KkuiSettings", "LoadBalancerPair",
           "Problem"]
