#include "streaming_stores.h"
