#ifndef LORA_MSG_CMOSQUITTO_SHIM_H
#define LORA_MSG_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
