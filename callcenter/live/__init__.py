"""Redis adapters of the live side: panels' event streams and open panels, and routing's shared state.

streams.py publishes live events (the LivePublisher port) and reads them back for server-sent events
(the LiveFeed port, resumable by Last-Event-ID); panels.py remembers which agents have a panel open;
routing_state.py and presence_store.py hold the routing engine's shared state (see their docstrings).
"""
