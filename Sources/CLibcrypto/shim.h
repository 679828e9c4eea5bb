#ifndef LORA_MSG_CLIBCRYPTO_SHIM_H
#define LORA_MSG_CLIBCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
