import type { SignerBackend } from './signerBackend.ts'

type NativeSecp256k1 = Pick<typeof import('secp256k1'), 'ecdsaRecover'>

/**
 * Recovery with the native libsecp256k1 addon of the `secp256k1` package, or undefined where it
 * cannot load. The addon is required directly (`secp256k1/bindings`) because the package's own
 * entry point silently falls back to the slow `elliptic` library, and found through
 * `process.getBuiltinModule` so that bundling this file for a browser pulls in nothing.
 */
export const nativeSignerBackend: SignerBackend | undefined = createNativeBackend()

function createNativeBackend(): SignerBackend | undefined {
  const addon = loadAddon()
  if (addon === undefined) return undefined
  return {
    name: 'native',
    recoverPublicKey(hash, signature) {
      try {
        return addon.ecdsaRecover(signature.compact, signature.recoveryBit, hash, false)
      } catch {
        return undefined
      }
    },
  }
}

function loadAddon(): NativeSecp256k1 | undefined {
  try {
    const runtime = globalThis.process
    if (typeof runtime?.getBuiltinModule !== 'function') return undefined
    const { createRequire } = runtime.getBuiltinModule('node:module')
    const addon = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1
    return typeof addon.ecdsaRecover === 'function' ? addon : undefined
  } catch {
    return undefined
  }
}
