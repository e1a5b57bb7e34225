"""HTTP telephony bridges: the generic CTI API, Twilio-compatible webhooks, signatures, outbound delivery."""
