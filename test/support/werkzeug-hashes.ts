/**
 * Hashes Flask apps store, for "correct horse battery staple" unless said otherwise: made by
 * Werkzeug 2.2 (Debian's python3-werkzeug, `generate_password_hash`), and for Werkzeug 3's
 * scrypt by Python's hashlib.scrypt with Werkzeug 3's parameters and encoding.
 */
export const WERKZEUG_HASHES = {
  pbkdf2:
    'pbkdf2:sha256:260000$TLySlVYlBNU8VwOP$0e30a85eda846f8557193af3a28be98d264d5e7e1f2b4ee99607037749a53d21',
  /** For "ünïcödé pässwörd", `method='pbkdf2:sha512:1000'`. */
  pbkdf2Sha512:
    'pbkdf2:sha512:1000$7EhRU1k6202ZXRX3$24b8fb22a31ba6d777bf2226959b6765eebffbd3ac1580caf990513b10f1b3cec5d785082253f1c1728cb05e892d5fc874379d95abafb009a770a7ab543ef75b',
  scrypt:
    'scrypt:32768:8:1$Xq3nV9bZ2mKp7LwA$18b0baab1de2bee2b65eda5cab8e21161c28b9d0081c3d90dfc8a6963f569c9908b7034fbd9d75e5f3a00486a7d91be82dab64f0d191d9b229b3f1ca7bf9acff',
};
