import { EuiGlobalToastList, type EuiGlobalToastListToast } from '@elastic/eui';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

interface Toasts {
  success(title: string, text?: string): void;
  danger(title: string, text?: string): void;
}

const ToastsContext = createContext<Toasts | undefined>(undefined);
let nextId = 0;

/** Short confirmations ("Created 'x'") and failures, in the corner, as Kibana shows them. */
export function ToastsProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<EuiGlobalToastListToast[]>([]);
  const add = useCallback((color: 'success' | 'danger', title: string, text?: string) => {
    const id = `toast-${nextId++}`;
    setToasts((list) => [...list, { id, title, text, color, iconType: color === 'success' ? 'check' : 'warning', 'data-test-subj': `toast-${color}` }]);
  }, []);
  const value = useMemo<Toasts>(() => ({ success: (t, x) => add('success', t, x), danger: (t, x) => add('danger', t, x) }), [add]);
  return (
    <ToastsContext.Provider value={value}>
      {children}
      <EuiGlobalToastList
        toasts={toasts}
        dismissToast={(toast) => setToasts((list) => list.filter((t) => t.id !== toast.id))}
        toastLifeTimeMs={6000}
      />
    </ToastsContext.Provider>
  );
}

export function useToasts(): Toasts {
  const toasts = useContext(ToastsContext);
  if (!toasts) throw new Error('useToasts outside ToastsProvider');
  return toasts;
}
