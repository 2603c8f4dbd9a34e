// Style sheets are imported for their effect (Vite bundles them); they export nothing the code reads.
declare module '*.css';
