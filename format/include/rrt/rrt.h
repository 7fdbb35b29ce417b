/* librrt umbrella header: include this one. */
#ifndef RRT_RRT_H
#define RRT_RRT_H

#include "status.h"
#include "codec.h"
#include "cpuid.h"
#include "archive.h"
#include "cpufeat.h"
#include "compat.h"
#include "events.h"
#include "list.h"
#include "cpuid_sites.h"

#endif
