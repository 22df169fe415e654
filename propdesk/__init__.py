"""PropDesk (物业客服与案场运营平台): operations of a Chinese property-management company and its sales centres."""

__version__ = "0.1.0"
