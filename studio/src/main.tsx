import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app.tsx';
import { preloadRoute, routeLoading } from './app/routes.tsx';
import { matchPath, prepareNavigation } from './lib/router.tsx';
import './styles.css';

preloadRoute(location.pathname, matchPath);
prepareNavigation((pathname) => routeLoading(pathname, matchPath));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
