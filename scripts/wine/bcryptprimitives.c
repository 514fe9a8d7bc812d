/* A stand-in for Windows' bcryptprimitives.dll, which Wine 8 (Debian 12's) does not have.
 * Rust's standard library asks it for random bytes (ProcessPrng, for HashMap seeds); this one
 * answers with Wine's RtlGenRandom. Built by scripts/ci-platforms.sh next to the programs it
 * runs under Wine; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
