#ifndef LORA_MSG_CSODIUM_SHIM_H
#define LORA_MSG_CSODIUM_SHIM_H
#include <sodium.h>
#endif
