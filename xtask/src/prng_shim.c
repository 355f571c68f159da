/*
 * bcryptprimitives.dll stand-in for wine versions that lack it (Debian's wine 8).
 *
 * Rust's standard library on Windows gets random bytes (for HashMap seeds)
 * from ProcessPrng in bcryptprimitives.dll, and imports it at load time: if
 * wine has no such DLL, every Rust test executable fails to start. The xtask
 * compiles this file with mingw and puts the DLL in the system32 directory of
 * its own wine prefix. The bytes come from RtlGenRandom, which advapi32
 * exports as SystemFunction036 and which wine has long implemented.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a 32-bit length; ProcessPrng takes a SIZE_T. */
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
