"""deploy-advisor: a justified choice between bare metal, a virtual machine and a container."""

__version__ = "0.1.0"
