import { EuiProvider } from '@elastic/eui';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './app/App.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EuiProvider colorMode="light">
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </EuiProvider>
  </StrictMode>,
);
