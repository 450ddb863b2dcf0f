"""WeChat safe mode (消息加解密): AES-256-CBC as in Tencent's WXBizMsgCrypt.

Plaintext = 16 random bytes + message length in UTF-8 bytes (4 bytes, big-endian) + message + appid, padded
PKCS#7-style to a multiple of 32 bytes (not AES's 16). Key = base64 of EncodingAESKey + "="; IV = key[:16].
"""

from __future__ import annotations

import base64
import binascii
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.platforms.signatures import same, wechat_signature

_PAD_BLOCK = 32


class InvalidEncryptedMessage(ValueError):
    """The ciphertext does not decrypt to a message for this account."""


class WeChatCrypto:
    def __init__(self, token: str, encoding_aes_key: str, appid: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("WECHAT_AES_KEY (EncodingAESKey) must be 43 characters")
        self._token = token
        self._key = base64.b64decode(encoding_aes_key + "=")
        self._appid = appid

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return wechat_signature(self._token, timestamp, nonce, encrypted)

    def signature_matches(self, given: str | None, timestamp: str, nonce: str, encrypted: str) -> bool:
        return same(self.signature(timestamp, nonce, encrypted), given)

    def encrypt(self, message: str, random_prefix: bytes | None = None) -> str:
        body = message.encode("utf-8")
        plain = (random_prefix or os.urandom(16)) + struct.pack(">I", len(body)) + body + self._appid.encode()
        pad = _PAD_BLOCK - len(plain) % _PAD_BLOCK
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidEncryptedMessage("Encrypt is not base64") from error
        if not data or len(data) % 16:
            raise InvalidEncryptedMessage("Encrypt is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= _PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise InvalidEncryptedMessage("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise InvalidEncryptedMessage("too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, appid = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length or appid.decode("utf-8", "replace") != self._appid:
            raise InvalidEncryptedMessage("message is not for this account")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidEncryptedMessage("message is not UTF-8") from error
