"""Clients of the outgoing platforms, shared by the incoming channels (bot/channels/) and the outbox's
transports (bot/notify/transports.py):

wechat_api.py      the WeChat Official Account API (access token, customer-service messages)
wechat_crypto.py   WeChat's message encryption (safe mode)
wechat_xml.py      WeChat's XML messages
sms_transport.py   sending SMS: Twilio, or Alibaba Cloud (aliyun_sms.py) for mainland numbers
splitting.py       cutting a long text into the parts a platform takes
signatures.py      request signatures (Twilio, Alibaba Cloud)
"""
