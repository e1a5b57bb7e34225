"""Recordings: consent gate, intake, pydub/ffmpeg pipeline, encrypted store, retention, access ledger."""
