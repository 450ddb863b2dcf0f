"""The hotline's messaging channels, as Rasa input channels registered in credentials.yml:

    bot.channels.limits.LimitedWeChatInput: {}       # WeChat Official Account → /webhooks/wechat/webhook
    bot.channels.limits.LimitedTwilioSmsInput: {}    # SMS through Twilio     → /webhooks/twilio_sms/webhook
    bot.channels.limits.LimitedTwilioVoiceInput: {}  # calls through Twilio   → /webhooks/twilio_voice/webhook

(wechat.WeChatInput, twilio_sms.TwilioSmsInput, twilio_voice.TwilioVoiceInput with the rate limits of
limits.py); the REST channel (limits.HotlineRestInput) and the web chat (webchat.py) are registered there too.

Each platform channel is a `webhook_channel.WebhookChannel` (built from its secrets, 503 while unconfigured, a
health route, late answers finished at shutdown) that adds its own webhook route. Secrets come from the
environment (secrets.py, through bot.config); what the channels say themselves is in texts.yml. The platforms'
clients they use (WeChat API and crypto, SMS transports, splitting, signatures) are in bot/platforms/, shared
with the outbox; messages the bot sends on its own (trigger_intent, reminders) go through each channel's
output channel (proactive.py).
"""
