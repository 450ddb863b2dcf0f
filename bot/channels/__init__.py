"""The hotline's messaging channels, as Rasa input channels registered in credentials.yml:

    bot.channels.wechat.WeChatInput: {}            # WeChat Official Account → /webhooks/wechat/webhook
    bot.channels.twilio_sms.TwilioSmsInput: {}     # SMS through Twilio     → /webhooks/twilio_sms/webhook
    bot.channels.twilio_voice.TwilioVoiceInput: {} # calls through Twilio   → /webhooks/twilio_voice/webhook

Secrets come from the environment (secrets.py, through bot.config); what the channels say themselves is in
texts.yml. SMS that answer no webhook go through sms_transport.py (Twilio, or aliyun_sms.py for mainland
numbers); messages the bot sends on its own (trigger_intent, reminders) through each channel's output channel
(proactive.py).
"""
