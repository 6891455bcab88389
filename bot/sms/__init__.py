"""The sms front-end."""
