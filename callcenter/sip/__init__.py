"""The SIP side we run: Kamailio config and supervision, the pyVoIP announcement endpoint and probe."""
